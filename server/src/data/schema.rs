//! The objects of the simulated tenant: their names, labels and columns.

/// The type of a column, which decides how `where` literals are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text (IDs, names, statuses).
    Text,
    /// A date.
    Date,
    /// A date-time.
    DateTime,
    /// An amount with two decimals.
    Decimal,
    /// An integer.
    Integer,
    /// `true` or `false`.
    Boolean,
}

/// A column of an object.
#[derive(Debug)]
pub(crate) struct Field {
    /// The API name (`AccountNumber`).
    pub(crate) name: &'static str,
    /// The display label (`Account Number`), used in CSV headers without `useQueryLabels`.
    pub(crate) label: &'static str,
    /// The type of its values.
    pub(crate) kind: Kind,
}

/// An object (table) of the tenant.
#[derive(Debug)]
pub(crate) struct ObjectSchema {
    /// The API name (`AccountingPeriod`).
    pub(crate) name: &'static str,
    /// The display label (`Accounting Period`).
    pub(crate) label: &'static str,
    /// The columns, in `select *` order.
    pub(crate) fields: &'static [Field],
    /// Whether AQuA can report deleted records of this object (`deleted` section); AQuA
    /// refuses the section with error 90017 otherwise.
    pub(crate) deletable: bool,
}

impl ObjectSchema {
    /// The index of the column `name` (ASCII case ignored, as ZOQL does).
    pub(crate) fn field(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn column(&self, name: &str) -> usize {
        self.field(name).unwrap_or(0)
    }
}

const fn field(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind }
}

use Kind::{Boolean, Date, DateTime, Decimal, Integer, Text};

const ACCOUNT_FIELDS: &[Field] = &[
    field("Id", "ID", Text),
    field("AccountNumber", "Account Number", Text),
    field("Name", "Name", Text),
    field("Status", "Status", Text),
    field("Currency", "Currency", Text),
    field("Balance", "Balance", Decimal),
    field("BillCycleDay", "Bill Cycle Day", Integer),
    field("AutoPay", "Auto Pay", Boolean),
    field("CrmId", "CRM ID", Text),
    field("CreatedDate", "Created Date", DateTime),
    field("UpdatedDate", "Updated Date", DateTime),
];

const INVOICE_FIELDS: &[Field] = &[
    field("Id", "ID", Text),
    field("InvoiceNumber", "Invoice Number", Text),
    field("AccountId", "Account ID", Text),
    field("Amount", "Amount", Decimal),
    field("Balance", "Balance", Decimal),
    field("Status", "Status", Text),
    field("InvoiceDate", "Invoice Date", Date),
    field("DueDate", "Due Date", Date),
    field("CreatedDate", "Created Date", DateTime),
    field("UpdatedDate", "Updated Date", DateTime),
];

const PERIOD_FIELDS: &[Field] = &[
    field("Id", "ID", Text),
    field("Name", "Name", Text),
    field("StartDate", "Start Date", Date),
    field("EndDate", "End Date", Date),
    field("FiscalYear", "Fiscal Year", Integer),
    field("Status", "Status", Text),
    field("CreatedDate", "Created Date", DateTime),
    field("UpdatedDate", "Updated Date", DateTime),
];

const ITEM_FIELDS: &[Field] = &[
    field("Id", "ID", Text),
    field("InvoiceId", "Invoice ID", Text),
    field("ChargeName", "Charge Name", Text),
    field("Quantity", "Quantity", Integer),
    field("UnitPrice", "Unit Price", Decimal),
    field("ChargeAmount", "Charge Amount", Decimal),
    field("ServiceStartDate", "Service Start Date", Date),
    field("ServiceEndDate", "Service End Date", Date),
    field("Description", "Description", Text),
    field("CreatedDate", "Created Date", DateTime),
    field("UpdatedDate", "Updated Date", DateTime),
];

/// The objects of the simulated tenant.
pub(crate) static OBJECTS: &[ObjectSchema] = &[
    ObjectSchema {
        name: "Account",
        label: "Account",
        fields: ACCOUNT_FIELDS,
        deletable: true,
    },
    ObjectSchema {
        name: "Invoice",
        label: "Invoice",
        fields: INVOICE_FIELDS,
        deletable: true,
    },
    ObjectSchema {
        name: "AccountingPeriod",
        label: "Accounting Period",
        fields: PERIOD_FIELDS,
        deletable: false,
    },
    ObjectSchema {
        name: "InvoiceItem",
        label: "Invoice Item",
        fields: ITEM_FIELDS,
        deletable: true,
    },
];

pub(crate) const ACCOUNT: usize = 0;
pub(crate) const INVOICE: usize = 1;
pub(crate) const PERIOD: usize = 2;
pub(crate) const ITEM: usize = 3;

/// The index in [`OBJECTS`] of the object `name` (ASCII case ignored).
pub(crate) fn object(name: &str) -> Option<usize> {
    OBJECTS
        .iter()
        .position(|o| o.name.eq_ignore_ascii_case(name))
}
