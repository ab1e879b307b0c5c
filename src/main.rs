fn main() -> std::process::ExitCode {
    tix::run(std::env::args_os())
}
