//! exo-p4: the ExoPlane P4-16 frontend.
#![deny(unsafe_code)]
