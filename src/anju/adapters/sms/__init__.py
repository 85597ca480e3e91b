"""The SMS platform (12329 短信平台) behind services.hall_ports.SmsGateway."""
