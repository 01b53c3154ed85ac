//! Integration tests of the local AQuA server: real HTTP on 127.0.0.1, through the generated
//! client (`zuora_aqua::Client`) and a raw HTTP client.

mod auth;
mod faults;
mod flow;
mod replication;
mod resume;
mod schema;
mod support;
