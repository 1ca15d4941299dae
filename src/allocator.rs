//! The allocator of the `accord` command: mimalloc, which takes a fraction of the
//! instructions of the system's allocator for the many small strings and maps a build
//! makes and frees, set to hand freed memory back to the system soon (at once in
//! the largest archives, where the peak is closest to its bound). The library
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

/// Returns freed pages to the system at once (until `for_sources` knows the size of
/// the archive): with the default delay the peak resident memory of a clean build of
/// 10,000 records was about 150 MiB instead of 125. And maps small pages only: with
/// huge pages, each page freed at once and touched again was a fault that cleared 2
/// MiB, not 4 KiB, which took 40 % of the CPU time of a one-record edit at 10,000
/// records. Called first thing in `main`; it sets the options whatever allocator the
/// program declared.
pub fn configure() {
    // SAFETY: `mi_option_set` only stores an option's value, which is read whenever
    // freed memory may be purged or memory is mapped, so it may be set at any time.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
        mi_option_set(ALLOW_THP, 0);
    }
    no_huge_pages();
}

/// The largest archive (in source files) whose build lets freed pages wait
/// `SMALL_ARCHIVE_DELAY` milliseconds before they go back to the system.
const SMALL_ARCHIVE: usize = 250_000;

/// How long freed pages wait in the build of an archive of at most `SMALL_ARCHIVE`
/// files: pages freed and taken again within it are not faulted in again.
const SMALL_ARCHIVE_DELAY: c_long = 100;

/// Sets how long freed pages wait, for a build of `sources` files. A delay of 100
/// ms took 9 % of the CPU time off a clean build of 10,000 records and 8 % off a
/// one-record edit, 11 % off a clean build of 100,000 records, for 4 MB (edit: 14 MB)
/// and 11 MB more at the peak (`docs/performance.md`, "Freed pages held briefly"):
/// each of the allocator's pages returned and touched again was a page fault. The
/// peak matters most where it is largest, so beyond `SMALL_ARCHIVE` files the pages
/// go back at once (at a million records the peak is within 3 MiB of its 1.5 GiB
/// bound). Called once the sources are listed; `configure` starts with the delay 0.
pub fn for_sources(sources: usize) {
    // SAFETY: as in `configure`.
    unsafe {
        mi_option_set(PURGE_DELAY, delay_for(sources));
    }
}

/// How many milliseconds freed pages wait in the build of `sources` files.
fn delay_for(sources: usize) -> c_long {
    if sources <= SMALL_ARCHIVE {
        SMALL_ARCHIVE_DELAY
    } else {
        0
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_pages_wait_up_to_the_size_of_a_small_archive_and_not_beyond() {
        assert_eq!(delay_for(0), 100);
        assert_eq!(delay_for(10_000), 100);
        assert_eq!(delay_for(250_000), 100);
        assert_eq!(delay_for(250_001), 0);
        assert_eq!(delay_for(1_000_000), 0);
    }
}
