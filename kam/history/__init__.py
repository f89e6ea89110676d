"""The timeline (変更履歴): who changed what and when, on the account and the plan pages."""
