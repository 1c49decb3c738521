// expect: wrong number of type arguments
#include <core.p4>
extern Box<T> { Box(); T get(); }
control Ctl();
package Pkg(Ctl c);
control MyCtl() {
    Box<bit<8>, bit<8>>() b;
    apply { }
}
Pkg(MyCtl()) main;
