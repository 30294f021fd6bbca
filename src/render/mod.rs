//! Turning authored Markdown into safe HTML: CommonMark, sanitised with ammonia, code
//! highlighted on the server. A leaf: it knows nothing of the curriculum or of pages.

pub mod highlight;
pub mod markdown;
