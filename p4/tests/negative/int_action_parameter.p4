// expect: int
#include <core.p4>
control Ctl(inout bit<16> x);
package Pkg(Ctl c);
control MyCtl(inout bit<16> x) {
    action add(in int k) { x = x + (bit<16>)k; }
    apply { add(2); }
}
Pkg(MyCtl()) main;
