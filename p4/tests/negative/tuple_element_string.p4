// expect: a tuple element cannot be a string
// Invalid on purpose: tuple elements take the types a struct field may have, not string.
#include <core.p4>

extern Tagger {
    Tagger(tuple<bit<8>, string> tags);
    void tag();
}

control C() {
    Tagger({ 8w1, "one" }) t;
    apply { t.tag(); }
}

control Ctl();
package Top(Ctl c);

Top(C()) main;
