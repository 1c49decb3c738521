//! Placeholder crate: its issue has not been taken yet. It exists so the workspace layout
//! (see DESIGN.md §2) is in place from the start; it has no functionality.
