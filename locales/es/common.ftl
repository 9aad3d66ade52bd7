test-greeting = Hola, { $name }
