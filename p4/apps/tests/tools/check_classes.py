#!/usr/bin/env python3
"""Checks that the @exo_traffic_class expressions of each scenario's apps are
disjoint, and that every address range of the plan lands in the app it is
meant for, by evaluating the expressions on many addresses (random, and drawn
from the plan's ranges). The expressions use only hdr.ipv4 addresses, slices,
constants, ==, !, && and ||, which this script translates to Python."""

import os
import random
import re
import sys

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCENARIOS = {
    "gateway": ["vpn_gateway", "nat", "acl", "univmon"],
    "leaf": ["vm_nat", "stateful_fw", "syn_proxy", "netcache"],
}
# (app, src range, dst range) that must belong to the app.
PLAN = [
    ("vpn_gateway", "100.64.0.0/10", "203.0.113.0/24"),
    ("vpn_gateway", "10.64.0.0/10", "172.16.0.0/12"),
    ("nat", "11.0.0.0/8", "198.18.0.0/16"),
    ("nat", "10.18.0.0/16", "11.0.0.0/8"),
    ("acl", "11.0.0.0/8", "10.20.0.0/16"),
    ("acl", "10.20.0.0/16", "11.0.0.0/8"),
    ("univmon", "11.0.0.0/8", "12.0.0.0/8"),
    ("vm_nat", "10.1.0.0/16", "11.0.0.0/8"),
    ("vm_nat", "11.0.0.0/8", "198.19.0.0/16"),
    ("stateful_fw", "10.2.0.0/16", "11.0.0.0/8"),
    ("stateful_fw", "11.0.0.0/8", "10.2.0.0/16"),
    ("syn_proxy", "11.0.0.0/8", "10.3.0.0/16"),
    ("syn_proxy", "10.3.0.0/16", "11.0.0.0/8"),
    ("netcache", "11.0.0.0/8", "10.4.0.0/16"),
    ("netcache", "10.4.0.0/16", "11.0.0.0/8"),
]


def to_python(expr):
    e = expr.replace("hdr.ipv4.isValid()", "True")
    e = re.sub(r"hdr\.ipv4\.(srcAddr|dstAddr)\[(\d+):(\d+)\]",
               lambda m: "((%s >> %s) & %d)" % (m.group(1), m.group(3),
                                                (1 << (int(m.group(2)) - int(m.group(3)) + 1)) - 1),
               e)
    e = re.sub(r"\b\d+w(0x[0-9a-fA-F]+|\d+)", r"\1", e)
    e = e.replace("&&", " and ").replace("||", " or ")
    e = re.sub(r"!(?!=)", " not ", e)
    assert "hdr" not in e, e
    return compile(e, "class", "eval")


def load(app):
    text = open(os.path.join(APPS, app + ".p4")).read()
    m = re.search(r'@exo_traffic_class\("([^"]*)"\)', text)
    return to_python(m.group(1))


def rand_in(cidr, rng):
    net, ln = cidr.split("/")
    a = [int(x) for x in net.split(".")]
    base = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
    return base | (rng.getrandbits(32) & ((1 << (32 - int(ln))) - 1))


def main():
    rng = random.Random(1)
    ok = True
    for name, apps in SCENARIOS.items():
        classes = {a: load(a) for a in apps}
        pool = [c for _, s, d in PLAN for c in (s, d)] + ["0.0.0.0/0"]
        for _ in range(200_000):
            src = rand_in(rng.choice(pool), rng)
            dst = rand_in(rng.choice(pool), rng)
            env = {"srcAddr": src, "dstAddr": dst}
            hits = [a for a, c in classes.items() if eval(c, {}, env)]
            if len(hits) > 1:
                print("%s: %08x -> %08x is in %s" % (name, src, dst, hits))
                ok = False
                break
        for app, s, d in PLAN:
            if app not in classes:
                continue
            for _ in range(2000):
                env = {"srcAddr": rand_in(s, rng), "dstAddr": rand_in(d, rng)}
                hits = [a for a, c in classes.items() if eval(c, {}, env)]
                if hits != [app]:
                    print("%s: %s -> %s should be %s, is %s" % (name, s, d, app, hits))
                    ok = False
                    break
        print("%s: classes of %s are disjoint and match the plan" % (name, ", ".join(apps)) if ok
              else "%s: FAILED" % name)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
