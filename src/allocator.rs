//! The allocator of the `accord` command: mimalloc, which takes a fraction of the
//! instructions of the system's allocator for the many small strings and maps a build
//! makes and frees, set to hand freed memory back to the system at once. The library
//! does not choose an allocator for the programs that link it: a binary declares
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: accord::allocator::Allocator = accord::allocator::Allocator;
//! ```
//!
//! and calls `configure` first thing, as `accord` and the benchmarks do.

use std::ffi::{c_int, c_long};

/// The allocator the `accord` command declares as its global allocator.
pub use mimalloc::MiMalloc as Allocator;

unsafe extern "C" {
    /// `mi_option_set` of `mimalloc.h`.
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in the `mi_option_e` of the mimalloc version the lock file
/// holds (v3): how many milliseconds freed pages wait before they are returned to
/// the system (10 by default).
const PURGE_DELAY: c_int = 15;

/// `mi_option_allow_thp` in the same enum: whether mimalloc asks the system for
/// transparent huge pages (`MADV_HUGEPAGE`) for the memory it maps.
const ALLOW_THP: c_int = 43;

/// Returns freed pages to the system at once: with the default delay the peak
/// resident memory of a clean build of 10,000 records was about 150 MiB instead of
/// 125. And maps small pages only: with huge pages, each page freed at once and
/// touched again was a fault that cleared 2 MiB, not 4 KiB, which took 40 % of the
/// CPU time of a one-record edit at 10,000 records. Called first thing in `main`; it
/// sets the options whatever allocator the program declared.
pub fn configure() {
    // SAFETY: `mi_option_set` only stores an option's value, which is read whenever
    // freed memory may be purged or memory is mapped, so it may be set at any time.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
        mi_option_set(ALLOW_THP, 0);
    }
    no_huge_pages();
}

/// Tells the system not to back this process's memory with transparent huge pages,
/// including the memory mimalloc mapped (and advised) before `configure` ran: the
/// system reads the setting at each page fault.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: `PR_SET_THP_DISABLE` sets a flag of the process; it reads no memory.
    // It fails only on a kernel older than 3.15, where huge pages are left as they are.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}
