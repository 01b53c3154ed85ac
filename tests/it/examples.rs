//! Every example documented in the spec, decoded by the generated types, snapshotted and
//! round-tripped; plus typed checks of what the documented values mean.

use zuora_aqua::examples::{self, ALL};
use zuora_aqua::{
    BatchStatus, Caseless, Encryption, Job, JobStatus, QueryType, ResultFormat, TimestampValue,
};

#[test]
fn every_example_decodes_and_round_trips() {
    assert!(ALL.len() >= 7, "examples went missing: {}", ALL.len());
    for example in ALL {
        let decoded = (example.decode)(example.json).unwrap_or_else(|e| {
            panic!("{} ({}) does not decode: {e}", example.name, example.origin)
        });
        let original: serde_json::Value = serde_json::from_str(example.json).unwrap();
        assert_eq!(
            decoded.reencoded, original,
            "{} does not re-encode to what was decoded",
            example.name
        );
        let snapshot = format!(
            "{} ({}) as {}\n\n{}",
            example.name, example.origin, example.type_name, decoded.debug
        );
        insta::assert_snapshot!(
            format!("example_{}", example.name.replace('/', "_")),
            snapshot
        );
    }
}

fn job(example: &examples::Example) -> Job {
    serde_json::from_str(example.json).unwrap()
}

#[test]
fn the_documented_json_response_means_what_it_says() {
    let job = job(&examples::GET_LAST_COMPLETED_JOB_200_JSON);
    assert_eq!(job.id.as_deref(), Some("402881824835bb2a01483c1e678a025a"));
    assert_eq!(job.status, Some(JobStatus::Completed));
    assert_eq!(job.encrypted, Some(Encryption::None));
    assert_eq!(job.version.as_ref().map(|v| v.as_str()), Some("1.1"));
    let format = job.format.as_ref().unwrap();
    assert_eq!(**format, ResultFormat::Csv);
    assert_eq!(format.as_wire(), "CSV");
    let start = job.start_time.as_ref().unwrap();
    assert_eq!(start.as_str(), "2014-09-03 08:24:58");
    let Some(TimestampValue::Local(t)) = start.value() else {
        panic!("zone-less start time not parsed: {start:?}")
    };
    assert_eq!(t.to_string(), "2014-09-03 08:24:58");
    let batch = &job.batches.as_ref().unwrap()[0];
    assert_eq!(batch.record_count.as_ref().map(|c| c.get()), Some(0));
    assert_eq!(batch.batch_type, Some(QueryType::Zoqlexport));
    assert_eq!(batch.status, Some(BatchStatus::Completed));
    assert_eq!(batch.full, Some(false));
    assert_eq!(batch.message.as_deref(), Some(""));
    assert_eq!(
        batch.file_id.as_deref(),
        Some("402881824835bb2a01483c1e67c7025d")
    );
}

#[test]
fn the_documented_curl_response_has_segments_instead_of_a_file() {
    let job = job(&examples::GET_LAST_COMPLETED_JOB_200_CURL);
    let batch = &job.batches.as_ref().unwrap()[0];
    assert_eq!(batch.file_id, None);
    assert_eq!(
        batch.segments.as_deref(),
        Some(&["402881824835bb2a0148457711ae0361".to_owned()][..])
    );
    assert_eq!(batch.full, Some(true));
    assert_eq!(batch.record_count.as_ref().map(|c| c.get()), Some(1));
}

#[test]
fn other_documented_forms_decode_to_the_same_meaning() {
    let iso = job(&examples::GET_LAST_COMPLETED_JOB_200_ISO_START_TIME);
    let start = iso.start_time.as_ref().unwrap();
    let Some(TimestampValue::Offset(t)) = start.value() else {
        panic!("{start:?}")
    };
    assert_eq!(t.to_rfc3339(), "2021-01-18T17:13:48+00:00");
    assert_eq!(start.as_str(), "2021-01-18T17:13:48+0000");
    assert_eq!(
        iso.batches.as_ref().unwrap()[0]
            .record_count
            .as_ref()
            .map(|c| c.get()),
        Some(12)
    );

    let numeric = job(&examples::GET_LAST_COMPLETED_JOB_200_NUMERIC_VERSION);
    assert_eq!(numeric.version.as_ref().map(|v| v.as_str()), Some("1"));
    assert!(numeric.version.as_ref().unwrap().is_number());
    let format = numeric.format.as_ref().unwrap();
    assert_eq!(**format, ResultFormat::Csv);
    assert_eq!(format.as_wire(), "csv");
    assert_eq!(numeric.status, Some(JobStatus::Executing));
}

#[test]
fn unknown_values_and_fields_are_kept_or_ignored_never_rejected() {
    let text = r#"{"id":"x","status":"failed","format":"PARQUET","encrypted":"aes","newField":{"a":1},
        "batches":[{"status":"queued","batchType":"sql","recordCount":"9007199254740993","future":true}]}"#;
    let job: Job = serde_json::from_str(text).unwrap();
    assert_eq!(job.status, Some(JobStatus::Unknown("failed".into())));
    assert_eq!(job.format.as_ref().map(|f| f.as_wire()), Some("PARQUET"));
    assert_eq!(job.encrypted, Some(Encryption::Unknown("aes".into())));
    let batch = &job.batches.as_ref().unwrap()[0];
    assert_eq!(batch.status, Some(BatchStatus::Unknown("queued".into())));
    // Beyond 2^53 and 2^31: the count is exact in 64 bits.
    assert_eq!(
        batch.record_count.as_ref().map(|c| c.get()),
        Some(9_007_199_254_740_993)
    );
    let again: serde_json::Value = serde_json::to_value(&job).unwrap();
    assert_eq!(again["status"], "failed");
    assert_eq!(again["format"], "PARQUET");
    assert_eq!(again["batches"][0]["recordCount"], "9007199254740993");
    assert_eq!(again["batches"][0]["batchType"], "sql");
}

#[test]
fn caseless_formats_compare_by_meaning() {
    let upper: Caseless<ResultFormat> = serde_json::from_str("\"ZIP\"").unwrap();
    let lower: Caseless<ResultFormat> = serde_json::from_str("\"zip\"").unwrap();
    assert_eq!(upper, lower);
    assert_eq!(serde_json::to_string(&lower).unwrap(), "\"zip\"");
}
