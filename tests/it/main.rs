//! The workspace's one integration test binary (one binary links faster than many).

mod codegen;
mod corpus;
mod diagnostic_coverage;
mod examples;
mod http;
mod lifecycle;
mod openapi31;
mod security;
mod servers;
mod support;
mod tidy;
mod wire;
mod zuora_billing;
