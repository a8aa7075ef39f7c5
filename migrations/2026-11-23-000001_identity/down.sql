DROP TABLE addresses;
DROP TABLE api_keys;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE users;
