"""Review: the specialist's verdicts (accept, reject with a reason, snooze) and the items brand
safety held back."""
