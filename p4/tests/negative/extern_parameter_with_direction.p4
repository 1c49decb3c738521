// expect: direction
#include <core.p4>
extern Thing { Thing(); }
control Ctl(in Thing t);
package Pkg(Ctl c);
control MyCtl(in Thing t) { apply { } }
Pkg(MyCtl()) main;
