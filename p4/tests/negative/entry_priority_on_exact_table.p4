// expect: priorit
#include <core.p4>
control Ctl(inout bit<8> a);
package Pkg(Ctl c);
control MyCtl(inout bit<8> a) {
    action set(bit<8> v) { a = v; }
    table t {
        key = { a : exact; }
        actions = { set; }
        entries = {
            priority=5: (1) : set(2);
            priority=6: (2) : set(3);
        }
    }
    apply { t.apply(); }
}
Pkg(MyCtl()) main;
