//! The decoding benchmark's input and its hand-written baselines.
//!
//! [`job_json`] builds a `Job` response body with any number of batches, shaped like the
//! bodies the local server and Zuora's examples send (compact JSON, about 300 bytes a batch).
//! [`hand::Job`] is what a developer would write by hand with `#[derive(Deserialize)]` for
//! the same shape: the same fields and nesting, plain `String`s for enumerations and
//! timestamps, `i64` for the record count. [`hand_flatten::Job`] is the same plus the
//! generated types' `#[serde(flatten)] unknown_fields: BTreeMap<String, Value>` on every
//! object, to tell how much of the generated types' cost comes from that map.

use std::fmt::Write as _;

/// A `Job` body with `batches` batches (compact JSON). Every tenth batch is a segmented
/// full load (`segments` instead of `fileId`), every seventh reports deleted records
/// (`deleted`); the others have a `fileId`.
pub fn job_json(batches: usize) -> String {
    let mut s = String::with_capacity(320 * batches + 512);
    s.push_str(
        r#"{"id":"2c92c0f8770bd07101771751e5b96e8c","name":"bench","status":"completed","localizedStatus":"completed","format":"CSV","version":"1.1","encrypted":"none","partner":"salesforce","project":"00170000011K3Ub","startTime":"2021-01-18 17:13:48","sourceData":"LIVE","useLastCompletedJobQueries":false,"offset":0,"batches":["#,
    );
    for i in 0..batches {
        if i > 0 {
            s.push(',');
        }
        let id = 0x2c92_c0f8_770b_d071_0177_1751_0000_0000_u128 + 2 * i as u128;
        let _ = write!(
            s,
            r#"{{"batchId":"{id:032x}","name":"Query{i}","query":"select Id, AccountNumber, Name, Balance from Account","batchType":"zoqlexport","status":"completed","localizedStatus":"completed","apiVersion":"60.0","recordCount":{count},"full":{full},"#,
            count = (i * 7919) % 100_000,
            full = i % 2 == 0,
        );
        if i % 10 == 0 {
            let _ = write!(
                s,
                r#""segments":["{:032x}","{:032x}"],"#,
                id + 1,
                id + 0x1_0000_0000
            );
        } else {
            let _ = write!(s, r#""fileId":"{:032x}","#, id + 1);
        }
        if i % 7 == 0 {
            s.push_str(r#""deleted":{"column":"IsDeleted","format":"Boolean"},"#);
        }
        s.push_str(r#""message":""}"#);
    }
    s.push_str("]}");
    s
}

/// Hand-written types of the `Job` shape, without an unknown-fields map.
pub mod hand {
    use serde::Deserialize;

    /// A job.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Job {
        /// `id`.
        pub id: Option<String>,
        /// `name`.
        pub name: Option<String>,
        /// `status`.
        pub status: Option<String>,
        /// `localizedStatus`.
        pub localized_status: Option<String>,
        /// `format`.
        pub format: Option<String>,
        /// `version`.
        pub version: Option<String>,
        /// `encrypted`.
        pub encrypted: Option<String>,
        /// `partner`.
        pub partner: Option<String>,
        /// `project`.
        pub project: Option<String>,
        /// `startTime`.
        pub start_time: Option<String>,
        /// `sourceData`.
        pub source_data: Option<String>,
        /// `useLastCompletedJobQueries`.
        pub use_last_completed_job_queries: Option<bool>,
        /// `offset`.
        pub offset: Option<i32>,
        /// `incrementalTime`.
        pub incremental_time: Option<String>,
        /// `notifyUrl`.
        pub notify_url: Option<String>,
        /// `errorCode`.
        pub error_code: Option<String>,
        /// `message`.
        pub message: Option<String>,
        /// `batches`.
        pub batches: Option<Vec<Batch>>,
    }

    /// A batch.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Batch {
        /// `batchId`.
        pub batch_id: Option<String>,
        /// `name`.
        pub name: Option<String>,
        /// `query`.
        pub query: Option<String>,
        /// `batchType`.
        pub batch_type: Option<String>,
        /// `status`.
        pub status: Option<String>,
        /// `localizedStatus`.
        pub localized_status: Option<String>,
        /// `apiVersion`.
        pub api_version: Option<String>,
        /// `recordCount`.
        pub record_count: Option<i64>,
        /// `full`.
        pub full: Option<bool>,
        /// `fileId`.
        pub file_id: Option<String>,
        /// `segments`.
        pub segments: Option<Vec<String>>,
        /// `message`.
        pub message: Option<String>,
        /// `deleted`.
        pub deleted: Option<DeletedRecord>,
    }

    /// The `deleted` section of a batch.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    pub struct DeletedRecord {
        /// `column`.
        pub column: Option<String>,
        /// `format`.
        pub format: Option<String>,
    }
}

/// [`hand`]'s types with the generated types' `#[serde(flatten)]` unknown-fields map.
pub mod hand_flatten {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::Value;

    /// A job.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Job {
        /// `id`.
        pub id: Option<String>,
        /// `name`.
        pub name: Option<String>,
        /// `status`.
        pub status: Option<String>,
        /// `localizedStatus`.
        pub localized_status: Option<String>,
        /// `format`.
        pub format: Option<String>,
        /// `version`.
        pub version: Option<String>,
        /// `encrypted`.
        pub encrypted: Option<String>,
        /// `partner`.
        pub partner: Option<String>,
        /// `project`.
        pub project: Option<String>,
        /// `startTime`.
        pub start_time: Option<String>,
        /// `sourceData`.
        pub source_data: Option<String>,
        /// `useLastCompletedJobQueries`.
        pub use_last_completed_job_queries: Option<bool>,
        /// `offset`.
        pub offset: Option<i32>,
        /// `incrementalTime`.
        pub incremental_time: Option<String>,
        /// `notifyUrl`.
        pub notify_url: Option<String>,
        /// `errorCode`.
        pub error_code: Option<String>,
        /// `message`.
        pub message: Option<String>,
        /// `batches`.
        pub batches: Option<Vec<Batch>>,
        /// Properties not listed above.
        #[serde(flatten)]
        pub unknown_fields: BTreeMap<String, Value>,
    }

    /// A batch.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Batch {
        /// `batchId`.
        pub batch_id: Option<String>,
        /// `name`.
        pub name: Option<String>,
        /// `query`.
        pub query: Option<String>,
        /// `batchType`.
        pub batch_type: Option<String>,
        /// `status`.
        pub status: Option<String>,
        /// `localizedStatus`.
        pub localized_status: Option<String>,
        /// `apiVersion`.
        pub api_version: Option<String>,
        /// `recordCount`.
        pub record_count: Option<i64>,
        /// `full`.
        pub full: Option<bool>,
        /// `fileId`.
        pub file_id: Option<String>,
        /// `segments`.
        pub segments: Option<Vec<String>>,
        /// `message`.
        pub message: Option<String>,
        /// `deleted`.
        pub deleted: Option<DeletedRecord>,
        /// Properties not listed above.
        #[serde(flatten)]
        pub unknown_fields: BTreeMap<String, Value>,
    }

    /// The `deleted` section of a batch.
    #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
    pub struct DeletedRecord {
        /// `column`.
        pub column: Option<String>,
        /// `format`.
        pub format: Option<String>,
        /// Properties not listed above.
        #[serde(flatten)]
        pub unknown_fields: BTreeMap<String, Value>,
    }
}
