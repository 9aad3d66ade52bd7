test-greeting = Hello, { $name }
