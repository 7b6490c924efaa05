"""Background jobs run by RQ workers. Job functions take ids and run in an app context."""
