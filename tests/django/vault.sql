CREATE TABLE "vault_locker" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(100) NOT NULL);
CREATE TABLE "vault_specimen" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "locker_id" bigint NOT NULL REFERENCES "vault_locker" ("id") DEFERRABLE INITIALLY DEFERRED, "text" text NOT NULL, "data" BLOB NOT NULL, "big" bigint NOT NULL, "ratio" real NOT NULL, "amount" decimal NOT NULL, "hits" integer NOT NULL);
CREATE INDEX "vault_specimen_locker_id_70bf4ee7" ON "vault_specimen" ("locker_id");
