// expect: _
#include <core.p4>
struct S { _ f; }
control Ctl(inout S s);
package Pkg(Ctl c);
control MyCtl(inout S s) { apply { } }
Pkg(MyCtl()) main;
