//! A learner over the curriculum: where they stand and what they did. Pages read progress
//! through this layer and never rebuild it themselves. (Growing: visits live here so far.)

mod db;
mod visits;

pub use visits::Visits;
