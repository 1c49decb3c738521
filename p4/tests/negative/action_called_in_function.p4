// expect: action
#include <core.p4>
action nothing() {}
bit<8> twice(in bit<8> x) {
    nothing();
    return x + x;
}
control Ctl(inout bit<8> a);
package Pkg(Ctl c);
control MyCtl(inout bit<8> a) { apply { a = twice(a); } }
Pkg(MyCtl()) main;
