// expect: cannot infer the type arguments
#include <core.p4>
extern Box<T> { Box(); T get(); }
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    Box() b;
    apply { }
}
Pkg(MyCtl()) main;
