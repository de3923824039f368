"""Credit: the loan book, the credit market, its demand and guarantee rules, the loan products."""
