/*
 * core.p4 -- the P4-16 core library, as provided by ExoPlane.
 *
 * Every P4-16 program includes this file, directly or through an
 * architecture file. It declares the built-in error codes, the packet
 * cursor externs used by parsers and deparsers, the verify() primitive,
 * the NoAction action and the three standard match kinds.
 *
 * Written for the ExoPlane project from the P4-16 language specification
 * (version 1.2.x, section "P4 core library").
 */

#ifndef _CORE_P4_
#define _CORE_P4_

/* Error codes every target must support. Programs may add their own with
 * further `error { ... }` declarations; all of them merge into one type. */
error {
    NoError,               /* the default: nothing went wrong */
    PacketTooShort,        /* extract ran past the end of the packet */
    NoMatch,               /* a select expression had no matching case */
    StackOutOfBounds,      /* a header stack access was out of range */
    HeaderTooShort,        /* a varbit extract asked for too many bits */
    ParserTimeout,         /* the parser ran out of time */
    ParserInvalidArgument  /* an operation got an argument it cannot use */
}

/* The input packet, as seen by a parser. */
extern packet_in {
    /* Copy a fixed-size header out of the packet and mark it valid. */
    void extract<T>(out T hdr);
    /* Same, for a header ending in one varbit field whose size in bits
     * is given by the second argument. */
    void extract<T>(out T variableSizeHeader,
                    in bit<32> variableFieldSizeInBits);
    /* Read bits ahead of the cursor without consuming them. */
    T lookahead<T>();
    /* Move the cursor forward; the bits skipped are not extracted. */
    void advance(in bit<32> sizeInBits);
    /* Total packet length in bytes (may be unavailable on some targets). */
    bit<32> length();
}

/* The output packet, as built by a deparser. */
extern packet_out {
    /* Append a header (only if valid), or every member of a struct,
     * header union or header stack, in declaration order. */
    void emit<T>(in T hdr);
}

/* In a parser: when `check` is false, stop parsing with `toSignal`. */
extern void verify(in bool check, in error toSignal);

/* The action that does nothing; the implicit default action of a table. */
@noWarn("unused")
action NoAction() {}

/* Match kinds understood by every target. */
match_kind {
    exact,    /* all bits compared */
    ternary,  /* bits compared under a mask */
    lpm       /* longest prefix match */
}

#endif /* _CORE_P4_ */
