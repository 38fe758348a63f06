SET lock_timeout = '5s';
REINDEX INDEX users_email_idx;
