# fish completion for sipctl (sipsmith). Lists the same commands and flags as --help.
set -l cmds customer domain account binding stats reload export import raw
complete -c sipctl -f
complete -c sipctl -s h -l help -d 'Show the options and examples'
complete -c sipctl -l version -d 'Show the version'
complete -c sipctl -s s -l socket -r -F -d 'Control socket'
complete -c sipctl -l json -d 'Print results as NDJSON'
complete -c sipctl -l timeout -x -d 'Seconds to wait for the daemon'
complete -c sipctl -s v -l verbose -d 'Show the request and response lines on stderr'

complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a customer -d 'Customers'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a domain -d 'Served SIP domains'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a account -d 'SIP accounts'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a binding -d 'Registrar bindings'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a stats -d 'Daemon counters'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a reload -d 'Reload config and directory'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a export -d 'Print the provisioning document'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a import -d 'Load a provisioning document'
complete -c sipctl -n "not __fish_seen_subcommand_from $cmds" -a raw -d 'Send any control method'

set -l leaf list show add set passwd rm
complete -c sipctl -n "__fish_seen_subcommand_from customer; and not __fish_seen_subcommand_from $leaf" -a 'list show add set rm'
complete -c sipctl -n "__fish_seen_subcommand_from domain; and not __fish_seen_subcommand_from $leaf" -a 'list add set rm'
complete -c sipctl -n "__fish_seen_subcommand_from account; and not __fish_seen_subcommand_from $leaf" -a 'list show add set passwd rm'
complete -c sipctl -n "__fish_seen_subcommand_from binding; and not __fish_seen_subcommand_from $leaf" -a 'list rm'

# customer add/set
complete -c sipctl -n '__fish_seen_subcommand_from customer account; and __fish_seen_subcommand_from add set passwd' -s P -l password-file -r -F -d 'Read the password from a file (- for stdin)'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from add set' -l time-zone -x -d 'IANA time zone'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from add set' -l max-executions -x -d 'Concurrent dial plan executions'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from add set' -l max-accounts -x -d 'SIP accounts the customer may own'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from add' -l admin -d 'Make an administrator'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from set' -l admin -x -a 'yes no' -d 'Administrator'
complete -c sipctl -n '__fish_seen_subcommand_from customer; and __fish_seen_subcommand_from set' -l disabled -x -a 'yes no' -d 'Disabled'
# domain add/set
complete -c sipctl -n '__fish_seen_subcommand_from domain; and __fish_seen_subcommand_from add set' -l alias -x -d 'Another host name (repeatable)'
complete -c sipctl -n '__fish_seen_subcommand_from domain; and __fish_seen_subcommand_from add set' -l owner -x -d 'Owning customer'
complete -c sipctl -n '__fish_seen_subcommand_from domain; and __fish_seen_subcommand_from set' -l no-aliases -d 'Remove every alias'
# account
complete -c sipctl -n '__fish_seen_subcommand_from account binding; and __fish_seen_subcommand_from list add set' -l owner -x -d 'Owning customer'
complete -c sipctl -n '__fish_seen_subcommand_from account binding; and __fish_seen_subcommand_from list' -l domain -x -d 'Only this domain'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l out-dialplan -x -d 'Dial plan for calls the account makes'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l in-dialplan -x -d 'Dial plan for calls to the account'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l keepalive -x -a 'crlf options none' -d 'NAT keep-alive'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l ip-acl -x -d 'CIDRs that skip digest auth'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l network-id -x -d 'Accounts sharing an id are on one LAN'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add set' -l description -x -d 'Free text'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add' -l incoming-only -d 'Only receive calls'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add' -l disabled -d 'Create disabled'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from add' -l dont-mangle -d 'Keep private addresses'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from set' -l incoming-only -x -a 'yes no' -d 'Only receive calls'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from set' -l disabled -x -a 'yes no' -d 'Disabled (drops its bindings)'
complete -c sipctl -n '__fish_seen_subcommand_from account; and __fish_seen_subcommand_from set' -l dont-mangle -x -a 'yes no' -d 'Keep private addresses'
# binding rm
complete -c sipctl -n '__fish_seen_subcommand_from binding; and __fish_seen_subcommand_from rm' -l contact -x -d 'Only this contact'
# export / import / raw
complete -c sipctl -n '__fish_seen_subcommand_from export' -s o -l output -r -F -d 'Write to FILE'
complete -c sipctl -n '__fish_seen_subcommand_from import' -F -d 'Document file'
complete -c sipctl -n '__fish_seen_subcommand_from import' -l replace -d 'Also remove what the document does not list'
complete -c sipctl -n '__fish_seen_subcommand_from import' -s n -l dry-run -d 'Validate and count only'
complete -c sipctl -n '__fish_seen_subcommand_from raw' -a 'customer.list customer.get customer.add customer.update customer.remove domain.list domain.add domain.update domain.remove account.list account.get account.add account.update account.remove binding.list binding.remove stats reload export import' -d 'Method'
