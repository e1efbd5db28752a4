#!/usr/bin/env python3
"""Account generator for the registrar benchmark (scripts/bench-registrar).

Writes N accounts user<i>/password<i> (i = 1..N) in one domain as:
  OUT/accounts.csv           SIPp injection file for register_auth.xml
                             (user;domain;[authentication username=.. password=..])
  OUT/kamailio-db/htable     db_text table that Kamailio's htable module loads
                             into shared memory at start: key "user@domain",
                             value = HA1 = md5(user:domain:password)
  OUT/kamailio-db/version    db_text version table (htable schema version 2)
  OUT/provision-NNN.json     sipsmith provisioning documents (clear-text
                             "password" fields, hashed by sipproxyd on import),
                             at most --chunk accounts each so every document
                             stays far below the control socket's 1 MiB line
                             limit; the first one also holds the customer and
                             the domain.
Standard library only (python3-minimal). Output is deterministic for a given N.
"""

import argparse
import hashlib
import json
import os
import sys


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--domain", default="bench.test")
    p.add_argument("--out", required=True, help="output directory (created)")
    p.add_argument("--order", choices=["SEQUENTIAL", "RANDOM"], default="SEQUENTIAL",
                   help="SIPp injection mode line")
    p.add_argument("--chunk", type=int, default=2000,
                   help="accounts per provisioning document")
    p.add_argument("--customer", default="bench", help="owner of the sipsmith accounts")
    args = p.parse_args()
    if args.accounts < 1 or args.chunk < 1:
        p.error("--accounts and --chunk must be positive")

    os.makedirs(os.path.join(args.out, "kamailio-db"), exist_ok=True)
    users = [(f"user{i}", f"password{i}") for i in range(1, args.accounts + 1)]
    dom = args.domain

    with open(os.path.join(args.out, "accounts.csv"), "w", encoding="ascii") as f:
        f.write(f"{args.order}\n")
        for u, pw in users:
            f.write(f"{u};{dom};[authentication username={u} password={pw}]\n")

    db = os.path.join(args.out, "kamailio-db")
    with open(os.path.join(db, "version"), "w", encoding="ascii") as f:
        f.write("id(int,auto) table_name(string) table_version(int)\n")
        f.write("0:version:1\n0:htable:2\n")
    with open(os.path.join(db, "htable"), "w", encoding="ascii") as f:
        f.write("id(int,auto) key_name(string) key_type(int) value_type(int) "
                "key_value(string) expires(int)\n")
        for i, (u, pw) in enumerate(users, 1):
            ha1 = hashlib.md5(f"{u}:{dom}:{pw}".encode()).hexdigest()
            # key_type 0 = plain key, value_type 0 = string, expires 0 = never
            f.write(f"{i}:{u}@{dom}:0:0:{ha1}:0\n")

    chunks = [users[i:i + args.chunk] for i in range(0, len(users), args.chunk)]
    for n, chunk in enumerate(chunks):
        doc = {"format": "sipsmith-provisioning", "version": 1,
               "customers": [], "domains": [], "accounts": []}
        if n == 0:
            doc["customers"] = [{"username": args.customer, "password": "bench-owner-pw",
                                 "max_accounts": args.accounts, "admin": False,
                                 "disabled": False}]
            doc["domains"] = [{"name": dom, "aliases": [], "owner": ""}]
        # keepalive "none": Kamailio sends no keep-alives either, and SIPp
        # would count CRLF/OPTIONS pings as unexpected messages.
        doc["accounts"] = [{"owner": args.customer, "username": u, "domain": dom,
                            "password": pw, "keepalive": "none", "disabled": False,
                            "incoming_only": False}
                           for u, pw in chunk]
        with open(os.path.join(args.out, f"provision-{n:03d}.json"), "w",
                  encoding="ascii") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
    print(len(chunks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
