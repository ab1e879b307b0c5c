//! One integration-test binary; each module is one area of the contract.

mod util;

mod adopt;
mod concurrency;
mod dependencies;
mod errors;
mod examples;
mod flows;
mod index;
mod journal;
mod json;
mod registry;
mod regression;
mod root;
