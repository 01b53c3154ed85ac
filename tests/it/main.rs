//! The workspace's one integration test binary (one binary links faster than many).

mod codegen;
mod examples;
mod http;
mod support;
