# frozen_string_literal: true

module Rcc
  # Which cookie each scenario of ScenariosController writes: kind and cookie name
  # (:session = the app's session_key). Names as in /work/shared/rails-vectors/README.md.
  module Scenarios
    ALL = {
      "session_rich" => ["session", :session],
      "session_ruby_types" => ["session", :session],
      "session_csrf" => ["session", :session],
      "session_expired" => ["session", :session],
      "encrypted_plain" => ["encrypted", "remember"],
      "encrypted_hash_expiring" => ["encrypted", "prefs"],
      "encrypted_expired" => ["encrypted", "old"],
      "encrypted_rails51_cbc_sha256" => ["encrypted", "legacy"],
      "signed_int" => ["signed", "uid"],
      "signed_permanent" => ["signed", "login"],
    }.freeze

    def self.cookie(scenario, session_key)
      kind, name = ALL.fetch(scenario)
      [kind, name == :session ? session_key : name]
    end
  end
end
