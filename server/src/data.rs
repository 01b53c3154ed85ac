//! The simulated tenant: a small, deterministic data set of four objects (`Account`,
//! `Invoice`, `AccountingPeriod` and the big `InvoiceItem`) that changes a little after every
//! completed job (inserts, updates and deletes), so that stateful incremental loads have
//! something (but not much) to export.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::rng::Rng;

mod schema;

pub(crate) use schema::{ACCOUNT, INVOICE, ITEM, Kind, OBJECTS, ObjectSchema, PERIOD, object};

/// One cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// No value: written as the job's `nullReplacement` (default empty).
    Null,
    /// Text.
    Text(String),
    /// A date, written `2024-05-31`.
    Date(NaiveDate),
    /// A date-time in tenant time (Pacific, taken as a fixed UTC-08:00).
    DateTime(NaiveDateTime),
    /// An amount in cents, written with two decimals.
    Decimal(i64),
    /// An integer.
    Integer(i64),
    /// A boolean, written `true`/`false`.
    Boolean(bool),
}

/// How cells are written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RenderOptions<'a> {
    /// Date-times in UTC with a `+0000` offset (`dateTimeUtc`), else tenant time with `-08:00`.
    pub(crate) utc: bool,
    /// The text of null cells.
    pub(crate) null: &'a str,
}

/// The fixed offset of tenant time.
pub(crate) const TENANT_OFFSET_HOURS: i64 = 8;

impl Value {
    /// The cell as CSV text (before quoting).
    pub(crate) fn render(&self, options: RenderOptions<'_>) -> String {
        match self {
            Value::Null => options.null.to_owned(),
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(t) if options.utc => (*t + TimeDelta::hours(TENANT_OFFSET_HOURS))
                .format("%Y-%m-%dT%H:%M:%S+0000")
                .to_string(),
            Value::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%S-08:00").to_string(),
            Value::Decimal(cents) => {
                let sign = if *cents < 0 { "-" } else { "" };
                let abs = cents.unsigned_abs();
                format!("{sign}{}.{:02}", abs / 100, abs % 100)
            }
            Value::Integer(i) => i.to_string(),
            Value::Boolean(b) => b.to_string(),
        }
    }
}

/// A record and the generations of its life.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    /// The cells, in the order of the object's fields.
    pub(crate) values: Vec<Value>,
    /// The tenant generation at which the row was created (0 = initial data).
    pub(crate) created: u64,
    /// The tenant generation at which the row was created or last updated.
    pub(crate) changed: u64,
    /// The tenant generation at which the row was deleted: a deleted row is kept as a
    /// tombstone, so that stateful incremental loads can report it.
    pub(crate) deleted: Option<u64>,
}

impl Row {
    /// A live row created at `generation`.
    fn new(values: Vec<Value>, generation: u64) -> Self {
        Row {
            values,
            created: generation,
            changed: generation,
            deleted: None,
        }
    }

    /// Whether the row exists (is not deleted).
    pub(crate) fn live(&self) -> bool {
        self.deleted.is_none()
    }
}

/// The records of one object.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// The object.
    pub(crate) schema: &'static ObjectSchema,
    /// Its records.
    pub(crate) rows: Vec<Row>,
}

/// The data of the simulated tenant.
#[derive(Clone, Debug)]
pub(crate) struct Tenant {
    rng: Rng,
    /// One table per entry of [`OBJECTS`], in the same order.
    pub(crate) tables: Vec<Table>,
    /// Incremented by each [`Tenant::touch`]; rows record it when they change.
    pub(crate) generation: u64,
    /// The simulated "now" of the tenant (advances with each change, not with the wall clock).
    clock: NaiveDateTime,
}

const ACCOUNTS: usize = 300;
const INVOICES: usize = 400;
const FIRST_PERIOD_YEAR: i32 = 2006;
const PERIOD_YEARS: i32 = 20;
/// The fewest and most items of an invoice (about 4,800 items for the 400 invoices).
const ITEMS_PER_INVOICE: (i64, i64) = (8, 16);
const CHARGES: &[&str] = &[
    "Platform Subscription",
    "Seats",
    "Support, Premium",
    "Usage: API Calls",
    "Onboarding",
    "Storage (GB)",
];

const NAME_FIRST: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Aperture",
    "Monarch",
    "Pied Piper",
    "Prestige",
    "Massive Dynamic",
    "Nakatomi",
    "Bluth",
    "Bob's \"Best\"",
];
const NAME_SECOND: &[&str] = &[
    "Industries",
    "Labs",
    "Holdings",
    "Systems",
    "Foods",
    "Logistics",
    "Media",
    "Partners",
    "Trading",
    "Analytics",
];
const NAME_SUFFIX: &[&str] = &["", "", "", ", Inc.", ", LLC", " GmbH", " Ltd."];
const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "EUR", "GBP"];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// The last day of the month of `d`.
fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    date(y, m, 1).pred_opt().unwrap_or(d)
}

impl Tenant {
    /// The data set fixed by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed.wrapping_add(0xA0A0));
        let start = midnight(date(2019, 1, 1));
        let clock = midnight(date(2025, 1, 1)) + TimeDelta::hours(9);
        let span_minutes = (clock - start).num_minutes() - 60 * 24 * 60;

        let mut accounts = Vec::with_capacity(ACCOUNTS);
        for i in 0..ACCOUNTS {
            let created = start + TimeDelta::minutes(rng.between(0, span_minutes));
            let updated = created + TimeDelta::minutes(rng.between(0, 60 * 24 * 50));
            accounts.push(Row::new(new_account(&mut rng, i + 1, created, updated), 0));
        }

        let mut invoices = Vec::with_capacity(INVOICES);
        for i in 0..INVOICES {
            let account = rng.pick(&accounts).clone();
            let (account_id, created) = match (&account.values[0], &account.values[9]) {
                (Value::Text(id), Value::DateTime(created)) => (id.clone(), *created),
                _ => (String::new(), start),
            };
            let room = (clock - created).num_days().max(1);
            let invoice_date = created.date() + TimeDelta::days(rng.between(0, room - 1));
            invoices.push(Row::new(
                new_invoice(&mut rng, i + 1, account_id, invoice_date, clock),
                0,
            ));
        }

        let mut periods = Vec::new();
        for year in FIRST_PERIOD_YEAR..FIRST_PERIOD_YEAR + PERIOD_YEARS {
            for month in 1..=12 {
                let first = date(year, month, 1);
                let last = month_end(first);
                let created = midnight(date(FIRST_PERIOD_YEAR - 1, 12, 15)) + TimeDelta::hours(8);
                let open = last >= clock.date();
                let updated = if open {
                    created
                } else {
                    midnight(last) + TimeDelta::days(rng.between(3, 12)) + TimeDelta::hours(17)
                };
                periods.push(Row::new(
                    vec![
                        Value::Text(rng.hex32()),
                        Value::Text(first.format("%b %Y").to_string()),
                        Value::Date(first),
                        Value::Date(last),
                        Value::Integer(i64::from(year)),
                        Value::Text(if open { "Open" } else { "Closed" }.to_owned()),
                        Value::DateTime(created),
                        Value::DateTime(updated),
                    ],
                    0,
                ));
            }
        }

        let mut items = Vec::new();
        for invoice in &invoices {
            let count = rng.between(ITEMS_PER_INVOICE.0, ITEMS_PER_INVOICE.1);
            for _ in 0..count {
                items.push(Row::new(new_item(&mut rng, &invoice.values, clock), 0));
            }
        }

        Tenant {
            rng,
            tables: vec![
                Table {
                    schema: &OBJECTS[ACCOUNT],
                    rows: accounts,
                },
                Table {
                    schema: &OBJECTS[INVOICE],
                    rows: invoices,
                },
                Table {
                    schema: &OBJECTS[PERIOD],
                    rows: periods,
                },
                Table {
                    schema: &OBJECTS[ITEM],
                    rows: items,
                },
            ],
            generation: 0,
            clock,
        }
    }

    /// Changes a few records, as a live tenant would between two jobs:
    /// - accounts: three are updated, one is created, one older one is deleted;
    /// - invoices: three are updated, one is created (for the new account), and every second
    ///   change one older invoice is deleted;
    /// - invoice items: two are created (for the new invoice), one is updated, one older one
    ///   is deleted;
    /// - accounting periods: the earliest open one is closed (or the latest one touched).
    ///
    /// Every created or updated row gets the new generation and an `UpdatedDate` at the
    /// advanced tenant clock; a deleted row is kept as a tombstone marked with the generation.
    pub(crate) fn touch(&mut self) {
        self.generation += 1;
        let generation = self.generation;
        self.clock += TimeDelta::minutes(60 + self.rng.between(0, 59));
        let now = self.clock;
        let rng = &mut self.rng;

        // Accounts: balances move.
        let accounts = &mut self.tables[ACCOUNT];
        let (balance, updated) = (
            accounts.schema.column("Balance"),
            accounts.schema.column("UpdatedDate"),
        );
        for _ in 0..3 {
            let Some(row) = pick_live(rng, &mut accounts.rows) else {
                break;
            };
            if let Value::Decimal(cents) = &mut row.values[balance] {
                *cents = (*cents + rng.between(-10_000, 50_000)).max(0);
            }
            row.values[updated] = Value::DateTime(now);
            row.changed = generation;
        }
        let number = accounts.rows.len() + 1;
        let mut values = new_account(rng, number, now, now);
        values[accounts.schema.column("Status")] = Value::Text("Draft".to_owned());
        values[balance] = Value::Decimal(0);
        let new_account_id = values[0].clone();
        accounts.rows.push(Row::new(values, generation));
        // One account closes for good (a live one other than the new one).
        delete_one(rng, accounts, generation);

        // Invoices: some get paid or adjusted, one is created for the new account.
        let invoices = &mut self.tables[INVOICE];
        let schema = invoices.schema;
        let (amount, balance, status, updated) = (
            schema.column("Amount"),
            schema.column("Balance"),
            schema.column("Status"),
            schema.column("UpdatedDate"),
        );
        for _ in 0..3 {
            let Some(row) = pick_live(rng, &mut invoices.rows) else {
                break;
            };
            let posted = row.values[status] == Value::Text("Posted".to_owned());
            let open = !matches!(row.values[balance], Value::Decimal(0));
            if posted && open {
                row.values[balance] = Value::Decimal(0);
            } else if let Value::Decimal(cents) = &mut row.values[amount] {
                *cents += rng.between(100, 5_000);
                if posted {
                    row.values[balance] = Value::Decimal(*cents);
                }
            }
            row.values[updated] = Value::DateTime(now);
            row.changed = generation;
        }
        let number = invoices.rows.len() + 1;
        let account_id = match new_account_id {
            Value::Text(id) => id,
            _ => String::new(),
        };
        let mut values = new_invoice(rng, number, account_id, now.date(), now);
        values[schema.column("CreatedDate")] = Value::DateTime(now);
        values[updated] = Value::DateTime(now);
        let new_invoice_values = values.clone();
        invoices.rows.push(Row::new(values, generation));
        // Every second change deletes an invoice (so the count still grows slowly).
        if generation.is_multiple_of(2) {
            delete_one(rng, invoices, generation);
        }

        // Invoice items: the new invoice gets two, one item is corrected, one is deleted.
        let items = &mut self.tables[ITEM];
        let (quantity, amount, updated) = (
            items.schema.column("Quantity"),
            items.schema.column("ChargeAmount"),
            items.schema.column("UpdatedDate"),
        );
        for _ in 0..2 {
            let mut values = new_item(rng, &new_invoice_values, now);
            values[items.schema.column("CreatedDate")] = Value::DateTime(now);
            values[updated] = Value::DateTime(now);
            items.rows.push(Row::new(values, generation));
        }
        let live: Vec<usize> = (0..items.rows.len())
            .filter(|&i| items.rows[i].live() && items.rows[i].created < generation)
            .collect();
        if !live.is_empty() {
            let row = &mut items.rows[live[rng.below(live.len() as u64) as usize]];
            if let Value::Integer(q) = &mut row.values[quantity] {
                *q += 1;
            }
            if let Value::Decimal(cents) = &mut row.values[amount] {
                *cents += rng.between(100, 9_000);
            }
            row.values[updated] = Value::DateTime(now);
            row.changed = generation;
        }
        delete_one(rng, items, generation);

        // Accounting periods: close the earliest open one, else touch the latest.
        let periods = &mut self.tables[PERIOD];
        let (status, updated) = (
            periods.schema.column("Status"),
            periods.schema.column("UpdatedDate"),
        );
        let open = Value::Text("Open".to_owned());
        let index = periods
            .rows
            .iter()
            .position(|r| r.values[status] == open)
            .unwrap_or(periods.rows.len().saturating_sub(1));
        if let Some(row) = periods.rows.get_mut(index) {
            row.values[status] = Value::Text("Closed".to_owned());
            row.values[updated] = Value::DateTime(now);
            row.changed = generation;
        }
    }
}

/// A live row of `rows`, chosen at random (`None` when every row is deleted).
fn pick_live<'a>(rng: &mut Rng, rows: &'a mut [Row]) -> Option<&'a mut Row> {
    let live = rows.iter().filter(|r| r.live()).count() as u64;
    if live == 0 {
        return None;
    }
    let n = rng.below(live) as usize;
    rows.iter_mut().filter(|r| r.live()).nth(n)
}

/// Deletes one live row of `table` that existed before `generation`, if there is one.
fn delete_one(rng: &mut Rng, table: &mut Table, generation: u64) {
    let old: Vec<usize> = (0..table.rows.len())
        .filter(|&i| table.rows[i].live() && table.rows[i].created < generation)
        .collect();
    if old.is_empty() {
        return;
    }
    let row = &mut table.rows[old[rng.below(old.len() as u64) as usize]];
    row.deleted = Some(generation);
}

fn new_account(
    rng: &mut Rng,
    number: usize,
    created: NaiveDateTime,
    updated: NaiveDateTime,
) -> Vec<Value> {
    let name = format!(
        "{} {}{}",
        rng.pick(NAME_FIRST),
        rng.pick(NAME_SECOND),
        rng.pick(NAME_SUFFIX)
    );
    let status = match rng.below(10) {
        0 => "Draft",
        1 => "Canceled",
        _ => "Active",
    };
    let balance = if status == "Active" {
        rng.between(0, 2_000_000)
    } else {
        0
    };
    let crm_id = if rng.chance(30) {
        Value::Text(format!("0017000000{:08X}", rng.next_u64() as u32))
    } else {
        Value::Null
    };
    vec![
        Value::Text(rng.hex32()),
        Value::Text(format!("A{number:08}")),
        Value::Text(name),
        Value::Text(status.to_owned()),
        Value::Text((*rng.pick(CURRENCIES)).to_owned()),
        Value::Decimal(balance),
        Value::Integer(rng.between(1, 28)),
        Value::Boolean(rng.chance(40)),
        crm_id,
        Value::DateTime(created),
        Value::DateTime(updated),
    ]
}

fn new_invoice(
    rng: &mut Rng,
    number: usize,
    account_id: String,
    invoice_date: NaiveDate,
    clock: NaiveDateTime,
) -> Vec<Value> {
    let amount = rng.between(1_000, 500_000);
    let status = match rng.below(20) {
        0..=2 => "Draft",
        3 | 4 => "Canceled",
        _ => "Posted",
    };
    let balance = if status == "Posted" && rng.chance(35) {
        amount
    } else {
        0
    };
    let created = midnight(invoice_date) + TimeDelta::minutes(rng.between(6 * 60, 20 * 60));
    let updated = (created + TimeDelta::days(rng.between(0, 40))).min(clock);
    vec![
        Value::Text(rng.hex32()),
        Value::Text(format!("INV{number:08}")),
        Value::Text(account_id),
        Value::Decimal(amount),
        Value::Decimal(balance),
        Value::Text(status.to_owned()),
        Value::Date(invoice_date),
        Value::Date(invoice_date + TimeDelta::days(30)),
        Value::DateTime(created),
        Value::DateTime(updated.max(created)),
    ]
}

/// The cells of a new item of the invoice whose cells are `invoice`.
fn new_item(rng: &mut Rng, invoice: &[Value], clock: NaiveDateTime) -> Vec<Value> {
    let (invoice_id, invoice_date, created) = match (&invoice[0], &invoice[6], &invoice[8]) {
        (Value::Text(id), Value::Date(d), Value::DateTime(c)) => (id.clone(), *d, *c),
        _ => (String::new(), clock.date(), clock),
    };
    let quantity = rng.between(1, 40);
    let unit = rng.between(100, 25_000);
    // Null, empty, plain, and quoted text over several lines: what CSV readers trip on.
    let description = match rng.below(10) {
        0 | 1 => Value::Null,
        2 => Value::Text(String::new()),
        3 => Value::Text(format!(
            "Prorated \"{}\" charge,\nsecond line\r\nthird line",
            rng.pick(CHARGES)
        )),
        _ => Value::Text(format!(
            "{} for {}",
            rng.pick(CHARGES),
            invoice_date.format("%B %Y")
        )),
    };
    let updated = (created + TimeDelta::minutes(rng.between(0, 60 * 24 * 20))).min(clock);
    vec![
        Value::Text(rng.hex32()),
        Value::Text(invoice_id),
        Value::Text((*rng.pick(CHARGES)).to_owned()),
        Value::Integer(quantity),
        Value::Decimal(unit),
        Value::Decimal(unit * quantity),
        Value::Date(invoice_date),
        Value::Date(month_end(invoice_date)),
        description,
        Value::DateTime(created),
        Value::DateTime(updated.max(created)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_set_is_deterministic_and_plausible() {
        let a = Tenant::new(1);
        let b = Tenant::new(1);
        assert_eq!(a.tables[0].rows[0].values, b.tables[0].rows[0].values);
        assert_ne!(
            a.tables[0].rows[0].values,
            Tenant::new(2).tables[0].rows[0].values
        );
        assert_eq!(a.tables[ACCOUNT].rows.len(), ACCOUNTS);
        assert_eq!(a.tables[INVOICE].rows.len(), INVOICES);
        assert_eq!(a.tables[PERIOD].rows.len(), 240);
        let items = a.tables[ITEM].rows.len();
        assert!((INVOICES * 8..=INVOICES * 16).contains(&items), "{items}");
        for table in &a.tables {
            for row in &table.rows {
                assert_eq!(row.values.len(), table.schema.fields.len());
            }
        }
        // Every invoice belongs to an existing account.
        let ids: Vec<&Value> = a.tables[ACCOUNT]
            .rows
            .iter()
            .map(|r| &r.values[0])
            .collect();
        assert!(
            a.tables[INVOICE]
                .rows
                .iter()
                .all(|r| ids.contains(&&r.values[2]))
        );
    }

    #[test]
    fn touching_changes_a_few_rows_with_a_new_generation() {
        let mut t = Tenant::new(5);
        t.touch();
        assert_eq!(t.generation, 1);
        for table in &t.tables {
            let changed = table.rows.iter().filter(|r| r.changed == 1).count();
            assert!(
                (1..=4).contains(&changed),
                "{}: {changed}",
                table.schema.name
            );
        }
        assert_eq!(t.tables[ACCOUNT].rows.len(), ACCOUNTS + 1);
        let deleted = |t: &Tenant, table: usize| {
            t.tables[table]
                .rows
                .iter()
                .filter(|r| r.deleted.is_some())
                .count()
        };
        assert_eq!(deleted(&t, ACCOUNT), 1);
        assert_eq!(deleted(&t, INVOICE), 0);
        assert_eq!(deleted(&t, ITEM), 1);
        t.touch();
        assert_eq!(deleted(&t, ACCOUNT), 2);
        assert_eq!(deleted(&t, INVOICE), 1);
        assert_eq!(deleted(&t, PERIOD), 0);
        // Only rows that existed before the change are deleted, never the new ones.
        for table in &t.tables {
            for row in &table.rows {
                if let Some(at) = row.deleted {
                    assert!(row.created < at);
                }
            }
        }
    }

    #[test]
    fn item_descriptions_are_null_empty_plain_or_multi_line() {
        let t = Tenant::new(1);
        let schema = &OBJECTS[ITEM];
        let column = schema.column("Description");
        let cells: Vec<&Value> = t.tables[ITEM]
            .rows
            .iter()
            .map(|r| &r.values[column])
            .collect();
        assert!(cells.iter().any(|v| **v == Value::Null));
        assert!(cells.iter().any(|v| **v == Value::Text(String::new())));
        assert!(
            cells
                .iter()
                .any(|v| matches!(v, Value::Text(s) if s.contains('\n') && s.contains('"')))
        );
    }

    #[test]
    fn cells_render_like_zuora_exports() {
        let opts = RenderOptions {
            utc: false,
            null: "",
        };
        assert_eq!(Value::Decimal(-1205).render(opts), "-12.05");
        assert_eq!(Value::Decimal(7).render(opts), "0.07");
        let t = midnight(date(2024, 2, 29)) + TimeDelta::hours(20);
        assert_eq!(Value::DateTime(t).render(opts), "2024-02-29T20:00:00-08:00");
        let utc = RenderOptions { utc: true, ..opts };
        assert_eq!(Value::DateTime(t).render(utc), "2024-03-01T04:00:00+0000");
        let null = RenderOptions {
            null: "NULL",
            ..opts
        };
        assert_eq!(Value::Null.render(null), "NULL");
        assert_eq!(month_end(date(2024, 2, 3)), date(2024, 2, 29));
        assert_eq!(month_end(date(2024, 12, 3)), date(2024, 12, 31));
    }
}
