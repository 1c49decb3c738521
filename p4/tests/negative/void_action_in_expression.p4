// expect: void
#include <core.p4>
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    bit<8> v = 3;
    action step(inout bit<8> t) { t = t + 1; }
    apply {
        if (step(v) == step(v)) { v = 0; }
    }
}
Pkg(MyCtl()) main;
