// expect: cannot infer type parameter
#include <core.p4>
T pass<T>(in T v) { return v; }
control Ctl(inout bit<8> a);
package Pkg(Ctl c);
control MyCtl(inout bit<8> a) { apply { a = pass(7); } }
Pkg(MyCtl()) main;
