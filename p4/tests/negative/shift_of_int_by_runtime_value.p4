// expect: shift
#include <core.p4>
control Ctl(inout bit<8> a, in bit<8> s);
package Pkg(Ctl c);
control MyCtl(inout bit<8> a, in bit<8> s) {
    apply { a = (2 << s) + 8w1; }
}
Pkg(MyCtl()) main;
