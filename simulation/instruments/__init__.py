"""The county's instruments: credit, insurance, risk sharing, value chain, monitoring, family farms."""
