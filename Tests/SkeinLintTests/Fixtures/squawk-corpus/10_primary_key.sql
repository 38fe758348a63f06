SET lock_timeout = '5s';
ALTER TABLE accounts ADD PRIMARY KEY (id);
