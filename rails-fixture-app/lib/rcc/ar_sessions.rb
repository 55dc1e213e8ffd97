# frozen_string_literal: true

require "active_record"
require "active_support/core_ext/hash/indifferent_access"
require "base64"
require "json"
require "rack"
require "rack/session/abstract/id"

module Rcc
  # activerecord-session_store's rows, read and written with Debian's Active Record 6.1 the way the
  # gem does it. The gem itself is not packaged by Debian, so this follows its code, by reading
  # (github.com/rails/activerecord-session_store, tags v2.0.0–v2.3.0):
  # - lib/active_record/session_store.rb: the serializers (`MarshalSerializer`: Base64.encode64 /
  #   decode64 around Marshal; `JsonSerializer`: JSON.parse + with_indifferent_access[:value] on load,
  #   `JSON.dump(value: …)` from 2.2.0, `MultiJson.dump` before (which, with ActiveSupport loaded,
  #   goes through `to_json` = ActiveSupport::JSON.encode); `HybridSerializer`: "BAh" → Marshal;
  #   `NullSerializer`: the column type does it);
  # - lib/active_record/session_store/session.rb: `data` = `deserialize(column) || {}`, lazily;
  #   `before_save :serialize_data!`;
  # - lib/action_dispatch/session/active_record_store.rb: `get_session_with_fallback` (private id,
  #   then the public id unless secure_session_only, moving it to the private id),
  #   `private_session_id?`, `write_session` (`record.data = …; record.save`).
  # And Rails' own Request::Session#load! (stringify_keys) for what a controller sees.
  class ArSessions
    def initialize(config)
      @serializer = config.fetch("serializer")
      @gem_version = Gem::Version.new(config.fetch("gem_version"))
      @secure_session_only = config.fetch("secure_session_only", false)
      ActiveRecord::Base.default_timezone = :utc
      ActiveRecord::Base.establish_connection(self.class.connection_config(config.fetch("url")))
      serializer = self
      @model = Class.new(ActiveRecord::Base) do
        self.table_name = config.fetch("table")
        define_method(:data) { @data ||= serializer.load(read_attribute(:data)) || {} }
        define_method(:data=) { |value| @data = value }
        before_save { write_attribute(:data, serializer.dump(@data)) if @data }
      end
    end

    def self.connection_config(url)
      case url
      when /\Asqlite:(.+)\z/ then { adapter: "sqlite3", database: Regexp.last_match(1) }
      # utf8mb4, as a Rails app's database.yml sets it: mysql2's default (utf8, 3 bytes) refuses emoji.
      when %r{\Amysql://} then "#{url.sub(%r{\Amysql://}, "mysql2://")}#{url.include?("?") ? "&" : "?"}encoding=utf8mb4"
      else url
      end
    end

    def load(text)
      return nil if text.nil?
      case @serializer
      when "marshal" then Marshal.load(Base64.decode64(text))
      when "json" then json_load(text)
      when "hybrid" then text.start_with?("BAh") ? Marshal.load(Base64.decode64(text)) : json_load(text)
      when "null" then text
      end
    end

    def dump(value)
      case @serializer
      when "marshal" then Base64.encode64(Marshal.dump(value))
      when "json", "hybrid" then @gem_version >= Gem::Version.new("2.2.0") ? JSON.dump(value: value) : { value: value }.to_json
      when "null" then value
      end
    end

    def json_load(text)
      hash = JSON.parse(text)
      hash.is_a?(Hash) ? hash.with_indifferent_access[:value] : hash
    end

    def find_with_fallback(sid)
      return nil if sid.public_id =~ /\A\d+::/
      if (secure = @model.find_by(session_id: sid.private_id))
        secure
      elsif !@secure_session_only && (insecure = @model.find_by(session_id: sid.public_id))
        insecure.session_id = sid.private_id
        insecure
      end
    end

    def column_text(private_id)
      @model.connection.select_value(
        @model.sanitize_sql_array(["SELECT #{@model.connection.quote_column_name("data")} FROM #{@model.quoted_table_name} WHERE session_id = ?", private_id]),
      )
    end

    def handle(op)
      sid = Rack::Session::SessionId.new(op.fetch("public_id"))
      case op.fetch("op")
      when "read"
        model = find_with_fallback(sid)
        return { "found" => false } unless model
        hash = model.data.each_with_object({}) { |(k, v), h| h[k.to_s] = v }
        { "found" => true, "rails_reads" => RailsReads.convert(hash), "rails_reads_marshal" => RailsReads.marshal_b64(hash) }
      when "write"
        model = find_with_fallback(sid) || @model.new(session_id: sid.private_id)
        model.data = Marshal.load(Base64.strict_decode64(op.fetch("data_marshal")))
        model.save!
        text = column_text(sid.private_id)
        { "data" => text.is_a?(String) ? text : JSON.generate(text) }
      else
        raise ArgumentError, "unknown op #{op["op"].inspect}"
      end
    end
  end
end
