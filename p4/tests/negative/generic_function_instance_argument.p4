// expect: an instance is not a value
#include <core.p4>
control Inner() { apply { } }
void take<T>(in T v) { }
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    Inner() inner;
    apply { take(inner); }
}
Pkg(MyCtl()) main;
