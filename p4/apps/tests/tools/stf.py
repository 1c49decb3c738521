"""A small writer for STF test files (the format of the P4 compiler's test
suite, as run by `exo-fastpath stf`).

Dialect used by the ExoPlane app tests (see p4/apps/README.md):
  add TABLE [PRIORITY] FIELD:VALUE ... ACTION(ARG:VALUE, ...)
      exact 0x..., lpm 0x.../LEN, ternary with `*` nibbles, range LO->HI;
      PRIORITY: the larger number wins (P4Runtime convention).
  setdefault TABLE ACTION(ARG:VALUE, ...)
  packet PORT HEX
  expect PORT HEX [$]          `*` nibbles are don't-care, `$` = exact length
  check_counter NAME(INDEX) packets == N
  register_write NAME INDEX VALUE
  register_read NAME INDEX VALUE   (fails unless the cell holds VALUE)
Commands run in order: a check sees the state left by the packets before it.
"""

from pktlib import hexs


def h(v, width_bits):
    digits = (width_bits + 3) // 4
    return "0x%0*x" % (digits, v)


class Stf:
    def __init__(self, name, title):
        self.name = name
        self.lines = ["# " + l if l else "#" for l in title.strip().splitlines()]
        self.lines.append("")
        # (direction, bytes) of fully specified packets, for the pcap check
        self.packets = []

    def comment(self, text):
        self.lines.append("")
        for l in text.strip().splitlines():
            self.lines.append("# " + l if l else "#")

    def raw(self, line):
        self.lines.append(line)

    def add(self, table, keys, action, args=(), prio=None):
        parts = ["add", table]
        if prio is not None:
            parts.append(str(prio))
        parts += ["%s:%s" % (k, v) for k, v in keys]
        parts.append("%s(%s)" % (action, ", ".join("%s:%s" % (k, v) for k, v in args)))
        self.lines.append(" ".join(parts))

    def setdefault(self, table, action, args=()):
        self.lines.append("setdefault %s %s(%s)" % (
            table, action, ", ".join("%s:%s" % (k, v) for k, v in args)))

    def packet(self, port, data, valid=True):
        self.lines.append("packet %d %s" % (port, hexs(data)))
        if valid:
            self.packets.append(("in", data))

    def expect(self, port, data, exact=True, dont_care=()):
        """`data` is bytes; `dont_care` lists (byte_offset, length) ranges
        written as `*` nibbles."""
        hx = list(hexs(data))
        for off, ln in dont_care:
            for i in range(2 * off, 2 * (off + ln)):
                hx[i] = "*"
        self.lines.append("expect %d %s%s" % (port, "".join(hx), " $" if exact else ""))
        if not dont_care:
            self.packets.append(("out", data))

    def check_counter(self, name, index, n, kind="packets"):
        self.lines.append("check_counter %s(%d) %s == %d" % (name, index, kind, n))

    def register_write(self, name, index, value):
        self.lines.append("register_write %s %d %s" % (name, index, value))

    def register_read(self, name, index, value):
        self.lines.append("register_read %s %d %s" % (name, index, value))

    def text(self):
        return "\n".join(self.lines) + "\n"
