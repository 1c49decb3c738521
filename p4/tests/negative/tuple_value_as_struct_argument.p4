// expect: tuple
#include <core.p4>
struct Pair { bit<8> x; }
extern void consume(in Pair p);
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    apply {
        tuple<bit<8>> t = { 7 };
        consume(t);
    }
}
Pkg(MyCtl()) main;
