// expect: varbit
#include <core.p4>
header Fixed { bit<16> f; }
parser Prs(packet_in p, out Fixed h);
package Pkg(Prs p);
parser MyPrs(packet_in p, out Fixed h) {
    state start { p.extract(h, 16); transition accept; }
}
Pkg(MyPrs()) main;
