// expect: int
#include <core.p4>
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    apply {
        int n = 4;
        bit<8> w = (bit<8>)n;
    }
}
Pkg(MyCtl()) main;
