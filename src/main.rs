fn main() -> std::process::ExitCode {
    settle_allocator();
    tix::run(std::env::args_os())
}

/// Keeps glibc's threshold for giving a large allocation a mapping of its
/// own at its default, 128 KiB. glibc raises it to the size of each such
/// block freed (up to 32 MiB); the large buffers of the next step of a run
/// then come from the heap, and what they free there stays held. At 100,000
/// tickets, `status --json` right after a pull that replaced 2,000 files
/// (its index written again first) peaked at 31.5–35 MiB, 27 MiB with the
/// threshold kept; in a tree as tix left it, 28.5 against 26.5.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn settle_allocator() {
    // SAFETY: `mallopt` sets one of the allocator's parameters; it is
    // called before any other thread exists, and a refusal (0) leaves the
    // allocator as it was.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn settle_allocator() {}
