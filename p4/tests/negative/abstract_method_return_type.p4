// expect: type mismatch: expected bit<8>, got bool
// Invalid on purpose: an abstract method implemented in an instance's initializer block
// returns a value of the wrong type.
#include <core.p4>

extern Hasher {
    Hasher();
    abstract bit<8> mix(in bit<8> x);
    bit<8> run(in bit<8> x);
}

control C(inout bit<8> v) {
    Hasher() h = {
        bit<8> mix(in bit<8> x) {
            return x == 0;
        }
    };
    apply { v = h.run(v); }
}

control Ctl(inout bit<8> v);
package Top(Ctl c);

Top(C()) main;
