// expect: _
#include <core.p4>
control Ctl(inout bit<8> a);
package Pkg(Ctl c);
control MyCtl(inout bit<8> a) { apply { a = 8w1 | _; } }
Pkg(MyCtl()) main;
