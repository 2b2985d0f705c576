//! Shared vocabulary of pactum: calendar dates, durations and approximate quantities.
//!
//! Everything here is plain data with total, pure operations: no clock, no I/O.

mod date;
mod quantity;

pub use date::{Date, DateRange, Duration, DurationUnit};
pub use quantity::Quantity;
