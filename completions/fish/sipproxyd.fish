# fish completion for sipproxyd (sipsmith). Lists the same flags as --help.
complete -c sipproxyd -f
complete -c sipproxyd -s h -l help -d 'Show the options and examples'
complete -c sipproxyd -l version -d 'Show the version'
complete -c sipproxyd -s c -l config -r -F -d 'Config file (JSON, comments allowed)'
complete -c sipproxyd -l import -r -F -d 'Import a provisioning document before serving'
complete -c sipproxyd -l check-config -d 'Validate the config, print it with defaults, exit'
complete -c sipproxyd -l print-default-config -d 'Print the built-in config and exit'
complete -c sipproxyd -s v -l verbose -d 'More log output (-vv debug, -vvv trace)'
