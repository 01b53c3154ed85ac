//! The TLS configuration of the clients the runtime builds: rustls with the aws-lc-rs
//! provider and the platform's verifier (the system's root certificates), made once per
//! process.
//!
//! reqwest would make the same configuration for every `reqwest::Client`, and the platform
//! verifier reads and parses every system root certificate each time (about 30 ms of CPU on
//! the thread that builds the client: enough, with a few dozen clients built on an async
//! runtime, to hold up that runtime's other tasks). Clients share this one instead; they
//! differ in their connect timeout and redirect policy, not in TLS.

use std::sync::{Arc, OnceLock};

use rustls_platform_verifier::BuilderVerifierExt as _;

/// The configuration, or `None` when it cannot be made (no usable system root certificate):
/// reqwest then makes its own, and reports the same failure.
fn shared() -> Option<&'static rustls::ClientConfig> {
    static CONFIG: OnceLock<Option<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()?
                .with_platform_verifier()
                .ok()?
                .with_no_client_auth();
            // As reqwest sets it for a client that speaks both.
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Some(config)
        })
        .as_ref()
}

/// `builder` with the shared TLS configuration (a clone shares its verifier and roots).
pub(super) fn configure(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    match shared() {
        Some(config) => builder.tls_backend_preconfigured(config.clone()),
        None => builder.tls_backend_rustls(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_configuration_is_made_once_and_speaks_h2_and_http1() {
        let first = super::shared().expect("the system's root certificates load");
        let second = super::shared().unwrap();
        assert!(std::ptr::eq(first, second));
        assert_eq!(first.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    }
}
