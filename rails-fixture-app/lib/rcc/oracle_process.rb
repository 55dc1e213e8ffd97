# frozen_string_literal: true

require "json"
require "open3"

module Rcc
  # A running bin/oracle for one configuration (one Rails boot), spoken to one JSON line at a time.
  # Used by bin/generate-fixtures, which needs several configurations in one run (a Rails app
  # boots once per process).
  class OracleProcess
    ORACLE = File.expand_path("../../bin/oracle", __dir__)

    def self.open(config)
      process = new(config)
      yield process
    ensure
      process&.close
    end

    def initialize(config)
      @config = config
      @stdin, @stdout, @stderr, @wait = Open3.popen3({ "RCC_CONFIG" => JSON.generate(config) }, RbConfig.ruby, ORACLE)
    end

    def call(op)
      @stdin.puts JSON.generate(op)
      line = @stdout.gets or raise "bin/oracle died for #{@config.inspect}: #{@stderr.read}"
      out = JSON.parse(line)
      raise "bin/oracle failed on #{op.inspect}: #{out["error"]}\n#{Array(out["backtrace"]).join("\n")}" if out["error"]
      out
    end

    def close
      @stdin.close unless @stdin.closed?
      @wait.value
      [@stdout, @stderr].each { |io| io.close unless io.closed? }
    end
  end
end
