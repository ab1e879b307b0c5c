//! One integration-test binary; each module is one area of the contract.

mod util;

mod adopt;
mod archive;
mod claude;
mod completions;
mod concurrency;
mod corpus;
mod crash;
mod dependencies;
mod doctor;
mod errors;
mod examples;
mod failures;
mod flows;
mod hook;
mod hook_ends;
mod hook_replay;
mod index;
mod journal;
mod json;
mod kinds;
mod list;
mod next;
mod readonly;
mod recipes;
mod registry;
mod regression;
mod report;
mod root;
mod serve;
mod set;
mod terminal;
mod watch;
